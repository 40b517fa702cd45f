# Sourced by the project's scripts: finds a JDK 25 and exports JAVA_HOME (and PATH) for it.
# Order: $JAVA_HOME if it is 25 or newer, then /usr/lib/jvm/temurin-25-jdk-amd64, then any JDK 25+ under /usr/lib/jvm.
bp_java_version() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'
}
bp_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(bp_java_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}
if ! BP_JDK=$(bp_find_jdk); then
  echo "backprop needs JDK 25 or newer, and none was found (looked at \$JAVA_HOME and /usr/lib/jvm)." >&2
  echo "Install one (for example Temurin 25: apt-get install temurin-25-jdk) or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$BP_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
