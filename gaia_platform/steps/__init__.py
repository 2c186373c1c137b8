"""The resource kinds a deployment is made of. Each kind observes its resource (read-only
calls), decides what to do (a pure comparison) and applies that decision."""
