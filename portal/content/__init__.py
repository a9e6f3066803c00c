"""Content library: collateral and training videos, their files, targeting, share pages and
the points an advocate earns on first use. Files are kept through `portal.files`."""
