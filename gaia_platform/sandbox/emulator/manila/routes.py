from ..http import Service, nova_style_error

SERVICE = Service(name="manila", prefix="/sharev2", rules=[], error_body=nova_style_error)
