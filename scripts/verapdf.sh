#!/usr/bin/env bash
# veraPDF, the reference PDF/A validator, from Maven Central (greenfield CLI; needs java and mvn).
#   scripts/verapdf.sh fetch             download it once into $HOSO_VERAPDF_HOME (~/.cache/hoso/verapdf)
#   scripts/verapdf.sh validate FILE...  PDF/A-2b check; exit 0 when every file passes
# pipeline/dossier/pdfa.py finds the copy fetched here; the dossier tests use it when it is present.
set -euo pipefail
VERSION="${VERAPDF_VERSION:-1.28.2}"
DEST="${HOSO_VERAPDF_HOME:-$HOME/.cache/hoso/verapdf}"
LIB="$DEST/lib"

fetch() {
  if ls "$LIB"/greenfield-apps-"$VERSION".jar >/dev/null 2>&1; then return 0; fi
  command -v mvn >/dev/null || { echo "verapdf.sh: mvn is not installed (apt-get install maven)" >&2; exit 6; }
  command -v java >/dev/null || { echo "verapdf.sh: java is not installed (apt-get install default-jre-headless)" >&2; exit 6; }
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>hoso</groupId><artifactId>verapdf-fetch</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.verapdf.apps</groupId><artifactId>greenfield-apps</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
POM
  mkdir -p "$LIB.part"
  (cd "$work" && mvn -B -q dependency:copy-dependencies -DoutputDirectory="$LIB.part" >&2)
  rm -rf "$LIB" && mv "$LIB.part" "$LIB"
}

case "${1:-}" in
  fetch) fetch ;;
  validate)
    shift
    fetch
    exec java -cp "$LIB/*" org.verapdf.apps.GreenfieldCliWrapper --flavour 2b --format text "$@" ;;
  *) echo "usage: $0 fetch | validate FILE..." >&2; exit 2 ;;
esac
