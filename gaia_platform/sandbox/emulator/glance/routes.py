from ..http import Service, nova_style_error

SERVICE = Service(name="glance", prefix="/image", rules=[], error_body=nova_style_error)
