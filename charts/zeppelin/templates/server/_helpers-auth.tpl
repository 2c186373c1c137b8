{{- /*
  Authentication helpers for the server: the Secret check, the shiro.ini skeleton and the user
  list the start-up script turns into shiro.ini's [users] section.
*/}}

{{- /* The Secret with the users' passwords; rendering stops when there is none. */}}
{{- define "zeppelin.auth.secretName" -}}
{{- if not .Values.auth.existingSecret }}
{{- fail "auth.existingSecret is empty: Zeppelin never runs without a login and the chart has no default password. Create a Secret with a key <user>.shiro1 per user in auth.users holding the Shiro hash of that user's password (and, if you like, <user> holding the password itself), e.g. `kubectl create secret generic zeppelin-auth --from-literal=admin.shiro1=\"$(python -m gaia_platform.shiro)\"`, and set auth.existingSecret to its name." }}
{{- end }}
{{- if not .Values.auth.users }}
{{- fail "auth.users is empty: at least one user must be able to log in." }}
{{- end }}
{{- .Values.auth.existingSecret }}
{{- end }}

{{- /*
  shiro.ini without [users]: salted, iterated password hashes in Shiro's own format
  ($shiro1$, checked by PasswordMatcher with its DefaultPasswordService), sessions, roles, and
  URL rules
  where everything but the version needs a login and the admin pages need the admin role.
*/}}
{{- define "zeppelin.auth.shiroBase" -}}
[main]
sessionManager = org.apache.shiro.web.session.mgt.DefaultWebSessionManager
cookie = org.apache.shiro.web.servlet.SimpleCookie
cookie.name = JSESSIONID
cookie.httpOnly = true
{{- if .Values.ingress.tls }}
cookie.secure = true
{{- end }}
sessionManager.sessionIdCookie = $cookie
securityManager.sessionManager = $sessionManager
securityManager.sessionManager.globalSessionTimeout = {{ include "zeppelin.ms" .Values.auth.sessionTimeoutSeconds }}
shiro.loginUrl = /api/login
passwordMatcher = org.apache.shiro.authc.credential.PasswordMatcher
iniRealm.credentialsMatcher = $passwordMatcher

[roles]
{{- $roles := list "admin" }}
{{- range .Values.auth.users }}
{{- $roles = concat $roles .roles }}
{{- end }}
{{- range $roles | uniq | sortAlpha }}
{{ . }} = *
{{- end }}

[urls]
/api/version = anon
/api/interpreter/setting/restart/** = authc
/api/interpreter/** = authc, roles[admin]
/api/notebook-repositories/** = authc, roles[admin]
/api/configurations/** = authc, roles[admin]
/api/credential/** = authc, roles[admin]
/api/admin/** = authc, roles[admin]
/** = authc
{{- end }}

{{- /* One line per user: "<name> <role>,<role>", read by configure.sh. */}}
{{- define "zeppelin.auth.users" -}}
{{- range .Values.auth.users }}
{{ .name }} {{ join "," .roles }}
{{- end }}
{{- end }}
