"""The stages a scan goes through, in order: normalize, ocr (with stamps and e-signatures), layout, split, classify, extract."""
