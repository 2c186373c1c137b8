from ..http import Service, nova_style_error

SERVICE = Service(name="nova", prefix="/compute", rules=[], error_body=nova_style_error)
