"""What an operator runs the portal with: health and readiness checks (for load balancers and
`portal doctor`), Prometheus metrics, and structured logs."""
