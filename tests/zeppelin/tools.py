"""How to install what the real-code tests need (tests/tools.py skips, or fails under CI,
naming it): `make test` installs both (Makefile system-deps)."""

JDK_INSTALL = "apt-get install default-jdk-headless (java, javac, jar)"
MAVEN_INSTALL = "apt-get install maven"
