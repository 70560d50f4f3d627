#!/usr/bin/env bash
# Apache Kafka (KRaft mode) for the local platform's cluster topology: the broker jars and their
# runtime dependencies, resolved from Maven Central by Maven into $DRILL_HOME/kafka/<version>/libs.
# Milvus 2.3 speaks Kafka 2.x/3.x, so this stays on 3.x. Idempotent; cheap when already done.
set -euo pipefail
: "${DRILL_HOME:?}"
KAFKA_VERSION=3.7.2
SCALA_VERSION=2.13
SLF4J_VERSION=1.7.36
dest=$DRILL_HOME/kafka/$KAFKA_VERSION
log() { printf '[setup kafka] %s\n' "$*" >&2; }

[ -f "$dest/libs/.complete" ] && exit 0
command -v java >/dev/null || { log "Java 17+ is required (Debian: openjdk-17-jre-headless)"; exit 1; }
command -v mvn >/dev/null || { log "Maven is required to resolve the Kafka jars (Debian: maven)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>milvus-drill</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA_VERSION}</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${SLF4J_VERSION}</version></dependency>
  </dependencies>
</project>
POM
log "resolving kafka_${SCALA_VERSION}:${KAFKA_VERSION} and its runtime dependencies"
rm -rf "$dest/libs"
mkdir -p "$dest/libs"
mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest/libs" >&2
touch "$dest/libs/.complete"
log "Kafka $KAFKA_VERSION ready in $dest"
