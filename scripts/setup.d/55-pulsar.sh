#!/usr/bin/env bash
# Apache Pulsar (broker, bookie, ZooKeeper and standalone all run from the same jars) for the local
# platform: pulsar-broker and its runtime dependencies, resolved from Maven Central by Maven into
# $DRILL_HOME/pulsar/<version>/libs. Maven Central has no Pulsar binary tarball, but it serves the
# broker's jars. 2.10.5 is the newest Pulsar 2.x (what Milvus 2.3 documents) that runs on Java 17.
# Idempotent; cheap when already done.
#
# Two pitfalls, both handled here:
# - resolving pulsar-broker alone sends Maven into a long version-range walk; importing the
#   project's own BOM (org.apache.pulsar:pulsar, the parent pom) pins every version;
# - Pulsar's poms name further repositories, which Maven would try (and stall on). A throwaway
#   settings.xml mirrors every repository to Maven's own central repository, whose URL is read from
#   the super POM of the Maven installed here, so no registry host is written down in this project.
set -euo pipefail
: "${DRILL_HOME:?}"
PULSAR_VERSION=2.10.5
dest=$DRILL_HOME/pulsar/$PULSAR_VERSION
log() { printf '[setup pulsar] %s\n' "$*" >&2; }

[ -f "$dest/libs/.complete" ] && exit 0
command -v java >/dev/null || { log "Java 17+ is required (Debian: openjdk-17-jre-headless)"; exit 1; }
command -v mvn >/dev/null || { log "Maven is required to resolve the Pulsar jars (Debian: maven)"; exit 1; }

started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The URL Maven itself uses for the repository called 'central' (its super POM, inside the Maven
# installation). Users who already mirror central in their own settings keep their mirror.
maven_home=$(mvn -v 2>/dev/null | sed -n 's/^Maven home: //p' | head -1)
builder=$(ls "$maven_home"/lib/maven-model-builder-*.jar 2>/dev/null | head -1)
[ -n "$builder" ] || { log "cannot find maven-model-builder in $maven_home/lib (to read the central repository's URL)"; exit 1; }
central_url=$(unzip -p "$builder" org/apache/maven/model/pom-4.0.0.xml | tr -d ' \t\r' | sed -n 's|^<url>\(.*\)</url>$|\1|p' | head -1)
user_settings=$HOME/.m2/settings.xml
if [ -f "$user_settings" ] && grep -q '<mirrorOf>\*</mirrorOf>' "$user_settings"; then
  settings=$user_settings
else
  [ -n "$central_url" ] || { log "cannot read the central repository's URL from $builder"; exit 1; }
  settings=$work/settings.xml
  cat > "$settings" <<XML
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <mirrors>
    <mirror><id>central</id><mirrorOf>*</mirrorOf><url>${central_url}</url></mirror>
  </mirrors>
</settings>
XML
fi

cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>milvus-drill</groupId>
  <artifactId>pulsar-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.apache.pulsar</groupId><artifactId>pulsar</artifactId><version>${PULSAR_VERSION}</version><type>pom</type><scope>import</scope></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>pulsar-broker</artifactId><version>${PULSAR_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId></dependency>
  </dependencies>
</project>
POM
log "resolving pulsar-broker:${PULSAR_VERSION} and its runtime dependencies (BOM org.apache.pulsar:pulsar:${PULSAR_VERSION})"
rm -rf "$dest/libs"
mkdir -p "$dest/libs"
mvn -q -B -s "$settings" -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest/libs" >&2
touch "$dest/libs/.complete"
log "Pulsar $PULSAR_VERSION ready in $dest ($(ls "$dest/libs" | wc -l) jars, $(( $(date +%s) - started )) s)"
