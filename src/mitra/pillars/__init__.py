"""The partnership's pillars: each a package of the same shape, declaring one ``PILLAR`` (a ``mitra.node.Pillar``)."""
