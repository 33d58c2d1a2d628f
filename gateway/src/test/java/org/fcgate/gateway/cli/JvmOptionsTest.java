package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM options users get are the ones the benchmark measured (docs/benchmarks.md, "JVM settings"): the systemd unit's
 * {@code FCGATE_JAVA_OPTS}, the image's ENTRYPOINT (after {@code -XX:+ExitOnOutOfMemoryError}), and the defaults of
 * bench/run and bin/fcgate are the same list.
 */
class JvmOptionsTest {

    private static final Path REPO = Path.of("..");

    @Test
    void systemdUnitDockerfileAndBenchmarkRunTheJvmWithTheSameOptions() throws Exception {
        List<String> unit = options(REPO.resolve("deploy/fcgate.service"),
                "(?m)^Environment=\"FCGATE_JAVA_OPTS=([^\"]*)\"$");
        List<String> bench = options(REPO.resolve("bench/run"),
                "(?m)^FCGATE_JAVA_OPTS=\\$\\{FCGATE_JAVA_OPTS-\"([^\"]*)\"}$");
        List<String> launcher = options(REPO.resolve("bin/fcgate"),
                "(?m)^FCGATE_JAVA_OPTS=\\$\\{FCGATE_JAVA_OPTS-\"([^\"]*)\"}$");
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT \\[\"tini\", \"--\", \"java\", (.*), \"-jar\", "
                + "\"/opt/fcgate/fcgate.jar\"]$").matcher(Files.readString(REPO.resolve("deploy/Dockerfile")));
        assertThat(entrypoint.find()).as("deploy/Dockerfile's ENTRYPOINT").isTrue();
        List<String> image = Arrays.stream(entrypoint.group(1).split(", "))
                .map(a -> a.substring(1, a.length() - 1)).toList();

        assertThat(unit).as("deploy/fcgate.service").contains("-XX:+UseSerialGC");
        assertThat(bench).as("bench/run's default").isEqualTo(unit);
        assertThat(launcher).as("bin/fcgate's default").isEqualTo(unit);
        assertThat(image).as("deploy/Dockerfile").containsExactlyElementsOf(
                concat("-XX:+ExitOnOutOfMemoryError", unit));
    }

    private static List<String> options(Path file, String regex) throws Exception {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
        assertThat(m.find()).as("%s: %s", file, regex).isTrue();
        return List.of(m.group(1).trim().split("\\s+"));
    }

    private static List<String> concat(String first, List<String> rest) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), rest.stream()).toList();
    }
}
