from ..http import Service, nova_style_error

SERVICE = Service(name="neutron", prefix="/network", rules=[], error_body=nova_style_error)
