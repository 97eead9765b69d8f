"""The hdhport CrossGuard policy pack (PulumiPolicy.yaml); the policies live in hdh_policies.py."""
