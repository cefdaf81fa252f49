"""Hardening that cuts across every app: security headers and CSP, rate limits, body size limits,
two-factor login (django-otp) and the deployment checks that go with them."""
