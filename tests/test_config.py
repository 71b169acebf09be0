from pipeline.config import load_settings


def test_toml_in_home_then_environment_wins(tmp_path, monkeypatch):
    for key in ("HOSO_CONFIG", "HOSO_UNIT", "HOSO_OCR_JOBS", "HOSO_LANGUAGES"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "hoso.toml").write_text('unit = "VKSND tỉnh Quảng Ninh"\nocr_jobs = 3\nlanguages = "vie"\n', "utf-8")
    settings = load_settings(home=tmp_path)
    assert (settings.unit, settings.ocr_jobs, settings.languages) == ("VKSND tỉnh Quảng Ninh", 3, "vie")
    assert settings.catalog_path == tmp_path / "catalog.sqlite"
    monkeypatch.setenv("HOSO_OCR_JOBS", "1")
    assert load_settings(home=tmp_path).ocr_jobs == 1


def test_explicit_config_file(tmp_path, monkeypatch):
    config = tmp_path / "elsewhere.toml"
    config.write_text('case_id_pattern = "^HS-\\\\d+$"\n', "utf-8")
    monkeypatch.setenv("HOSO_CONFIG", str(config))
    assert load_settings(home=tmp_path / "home").case_id_pattern == r"^HS-\d+$"
