"""Exchange between nodes: STIX 2.1 over TAXII 2.1, signing, partner sync."""
