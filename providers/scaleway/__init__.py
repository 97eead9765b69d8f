"""The Scaleway API family: pulumiverse-scaleway implementations of the catalogue's services."""
