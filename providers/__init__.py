"""Provider implementations per API family, and the shipped profiles (YAML offers) under profiles/."""
