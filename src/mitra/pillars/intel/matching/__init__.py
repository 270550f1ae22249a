"""Indicator matching: observations against every active indicator, fast path beside ``stix2-matcher``."""
