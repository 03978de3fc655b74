#!/usr/bin/env bash
# Builds the self-contained bundle for machines without Java (e.g. GPU boxes):
#   dist/adjoint-<version>-linux-x86_64/{bin/adjoint, lib/adjoint.jar, runtime/}  and  .tar.gz beside it.
# The runtime is jlink'd from the JDK 25 that builds it. Modules: those `jdeps --print-module-deps`
# reports for the command line's jar (target/adjoint.jar: the library, JCuda, LWJGL; no JMH), plus
# jdk.incubator.vector (loaded by --add-modules).
#   native/dist.sh [--skip-build]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
MODULES=java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management
COMPRESS="${ADJOINT_JLINK_COMPRESS:-zip-6}"

if [[ "${1:-}" != "--skip-build" ]]; then
    mvn -B -ntp -q package -DskipTests
fi
version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"
name="adjoint-$version-linux-x86_64"
out="dist/$name"
rm -rf "$out" "dist/$name.tar.gz"
mkdir -p "$out/bin" "$out/lib"

needed="$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps target/adjoint.jar)"
for m in ${needed//,/ }; do
    if [[ ",$MODULES," != *",$m,"* ]]; then
        echo "dist: the jar needs module $m, which the bundle lacks; add it to MODULES" >&2
        exit 1
    fi
done

"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress="$COMPRESS" --output "$out/runtime"
cp target/adjoint.jar "$out/lib/adjoint.jar"
cat > "$out/bin/adjoint" <<'LAUNCHER'
#!/usr/bin/env bash
# Adjoint, with its own Java runtime: bin/adjoint <command> [options]  (bin/adjoint --help)
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
export ADJOINT_COMMIT="${ADJOINT_COMMIT:-$(cat "$here/../COMMIT" 2>/dev/null || echo unknown)}"
exec "$here/../runtime/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -Dorg.lwjgl.opencl.libname=libOpenCL.so.1 ${ADJOINT_JAVA_OPTS:-} \
    -jar "$here/../lib/adjoint.jar" "$@"
LAUNCHER
chmod +x "$out/bin/adjoint"
git rev-parse --short HEAD > "$out/COMMIT" 2>/dev/null || true
tar -C dist -czf "dist/$name.tar.gz" "$name"
echo "dist: $out  $(du -sh --apparent-size "$out" | cut -f1) unpacked ($(du -sb "$out" | cut -f1) bytes), $(du -h "dist/$name.tar.gz" | cut -f1) as .tar.gz"
