package org.fcgate.it.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The images the container tests run:
 * <ul>
 *   <li>the <b>fcgate image</b> under test, {@value #FCGATE}: {@code deploy/Dockerfile}'s target {@code prebuilt}
 *       around this build's {@code gateway/target/fcgate.jar}, built once per test JVM on the base image
 *       {@code -Dfcgate.it.jreImage} (default {@value #DEFAULT_JRE_IMAGE}). The previous build of the tag is
 *       removed, so one image is kept between runs;</li>
 *   <li>the <b>php-fpm image</b> {@code -Dfcgate.it.phpFpmImage} (default {@value #DEFAULT_PHP_FPM_IMAGE}).</li>
 * </ul>
 * The two defaults are made by {@code deploy/docker/build-base-images.sh} (docs/docker.md) and never pulled: when
 * one is not there, the test fails with that command. Other images (say {@code eclipse-temurin:17-jre} and
 * {@code php:8.2-fpm}) are pulled if missing, where a registry is reachable.
 */
final class TestImages {

    static final String FCGATE = "fcgate/fcgate:it";
    static final String DEFAULT_JRE_IMAGE = "fcgate/base-jre:bookworm";
    static final String DEFAULT_PHP_FPM_IMAGE = "fcgate/base-php-fpm:bookworm";

    private static String fcgate;

    private TestImages() {
    }

    /** The fcgate image under test, built on first use. */
    static synchronized String fcgate() {
        if (fcgate == null) {
            fcgate = buildFcgate();
        }
        return fcgate;
    }

    /** The php-fpm image, which must be there already. */
    static String phpFpm() {
        String image = System.getProperty("fcgate.it.phpFpmImage", DEFAULT_PHP_FPM_IMAGE);
        requireLocal(image);
        return image;
    }

    private static String buildFcgate() {
        String base = System.getProperty("fcgate.it.jreImage", DEFAULT_JRE_IMAGE);
        requireLocal(base);
        Path repo = Path.of(System.getProperty("fcgate.repo", "..")).toAbsolutePath().normalize();
        Path jar = Path.of(System.getProperty("fcgate.jar", repo.resolve("gateway/target/fcgate.jar").toString()));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: run the ITs through the reactor (mvn -pl integration-tests "
                    + "-am verify …), which packages gateway first");
        }
        String before = imageId(FCGATE);
        // The build context holds exactly what the prebuilt target copies, laid out as in the repository.
        String image = new ImageFromDockerfile(FCGATE, false)
                .withDockerfilePath("deploy/Dockerfile")
                .withFileFromPath("deploy/Dockerfile", repo.resolve("deploy/Dockerfile"))
                .withFileFromPath("deploy/examples/php-cgi.yaml", repo.resolve("deploy/examples/php-cgi.yaml"))
                .withFileFromPath("gateway/target/fcgate.jar", jar)
                .withTarget("prebuilt")
                .withBuildArg("JRE_IMAGE", base)
                .get();
        String after = imageId(FCGATE);
        if (before != null && !before.equals(after)) {
            try {
                DockerClientFactory.instance().client().removeImageCmd(before).exec();
            } catch (NotFoundException | ConflictException e) {
                // gone already, or a container of another run still uses it: it stays, untagged
            }
        }
        return image;
    }

    private static String imageId(String name) {
        try {
            return DockerClientFactory.instance().client().inspectImageCmd(name).exec().getId();
        } catch (NotFoundException e) {
            return null;
        }
    }

    private static void requireLocal(String image) {
        if (!image.startsWith("fcgate/base-")) {
            return;
        }
        DockerClient docker = DockerClientFactory.instance().client();
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            throw new AssertionError("image " + image + " is not on this Docker host: make it with "
                    + "deploy/docker/build-base-images.sh (docs/docker.md), or name another with "
                    + "-Dfcgate.it.jreImage / -Dfcgate.it.phpFpmImage");
        }
    }
}
