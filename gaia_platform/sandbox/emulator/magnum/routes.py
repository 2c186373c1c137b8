from ..http import Service, nova_style_error

SERVICE = Service(name="magnum", prefix="/container-infra", rules=[], error_body=nova_style_error)
