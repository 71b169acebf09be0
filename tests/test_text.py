from pipeline.text import fold, fold_with_offsets, is_good_vietnamese, normalize, words


def test_normalize_nfc_and_icelandic_eth():
    decomposed = "Kho\u031b\u0309i to\u0302\u0301"  # NFD "Khởi tố"
    assert normalize(decomposed) == "Khởi tố"
    assert normalize("\u00d0ộc lập") == "Độc lập"


def test_tone_placement_is_one_style():
    assert normalize("hoà thuỷ khoẻ") == normalize("hòa thủy khỏe") == "hòa thủy khỏe"
    assert normalize("HOÀ") == "HÒA"
    # Closed syllables and the "qu" onset are the same in both styles.
    assert normalize("hoàng thuyền quý quả") == "hoàng thuyền quý quả"


def test_fold_drops_every_diacritic_including_d_bar():
    assert fold("Khởi tố vụ án") == "Khoi to vu an"
    assert fold("Đinh Văn Đức đồng") == "Dinh Van Duc dong"
    assert fold("\u00d0ồng") == "Dong"


def test_fold_offsets_point_into_original():
    text = normalize("Đã khởi tố")
    folded, offsets = fold_with_offsets(text)
    assert folded == "Da khoi to"
    start = folded.index("khoi")
    assert text[offsets[start] : offsets[start + 3] + 1] == "khởi"


def test_words_split_punctuation():
    assert words("Số: 54/2024/HS-ST") == ["Số", "54", "2024", "HS", "ST"]


def test_junk_text_layers_are_recognised():
    real = "Căn cứ Điều 143, Điều 153 và Điều 154 Bộ luật Tố tụng hình sự; xét thấy có dấu hiệu của tội phạm"
    tcvn3 = "C¨n cø §iÒu 143, §iÒu 153 vµ §iÒu 154 Bé luËt Tè tông h×nh sù; xÐt thÊy cã dÊu hiÖu cña téi ph¹m"
    english = "Can cu Dieu 143, Dieu 153 va Dieu 154 Bo luat To tung hinh su; xet thay co dau hieu cua toi pham"
    assert is_good_vietnamese(real)
    assert not is_good_vietnamese(tcvn3)
    assert not is_good_vietnamese(english)
