"""AIS: NMEA decoding, ingest into the position store, and event detection."""
