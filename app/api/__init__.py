"""HTTP layer: routes, dependencies, problem rendering, the OpenAPI document."""
