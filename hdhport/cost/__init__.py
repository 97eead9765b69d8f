"""What the platform costs on a cloud: price books as data (providers/prices/) and `hdhport cost`."""
