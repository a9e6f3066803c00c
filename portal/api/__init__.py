"""The JSON API under /api/v1: token authentication, problem details, rate limits, the
operations (each a pydantic request and response model) and the OpenAPI document made from
them. It sits in the wiring layer: like the route table it adapts HTTP to many domains'
services (referrals, people, points, rewards) and nothing imports it but the routing."""
