#!/bin/sh
# Compiles TaalaCurator.java into $TAALA_BUILD_DIR (taala's build cache; default: ./build).
# Debian's jars (libcurator-recipes-java, libjackson2-core-java, libslf4j-java): no download.
set -eu
out="${TAALA_BUILD_DIR:-build}"
j=/usr/share/java
cp="$j/curator-recipes.jar:$j/curator-framework.jar:$j/curator-client.jar:$j/zookeeper.jar:$j/zookeeper-jute.jar"
cp="$cp:$j/guava.jar:$j/slf4j-api.jar:$j/jackson-core.jar"
for jar in $(echo "$cp" | tr : ' '); do
  [ -f "$jar" ] || { echo "missing $jar (apt-get install libcurator-recipes-java)" >&2; exit 1; }
done
mkdir -p "$out"
javac -nowarn -Xlint:-options --release 17 -d "$out" -cp "$cp" TaalaCurator.java
