"""The stages that turn a scan into documents: normalize, OCR, split, classify, assemble."""
