package org.fcgate.gateway.cgi;

/**
 * SERVER_SOFTWARE (RFC 3875 §4.1.17: {@code product [ "/" product-version ]}): {@code fcgate/<version>}, the version
 * being the {@code Implementation-Version} that gateway/pom.xml writes into the jar's manifest (the thin jar and the
 * shaded fcgate.jar). Run from classes without a manifest (an IDE, a test's target/classes) it is plain
 * {@code fcgate}: the version part is optional, and a made-up one would be worse than none.
 */
public final class ServerSoftware {

    static final String PRODUCT = "fcgate";

    private ServerSoftware() {
    }

    /** This build's SERVER_SOFTWARE. */
    public static String current() {
        return of(ServerSoftware.class.getPackage().getImplementationVersion());
    }

    /** @param version the manifest's Implementation-Version, or null when there is none */
    static String of(String version) {
        return version == null || version.isBlank() ? PRODUCT : PRODUCT + "/" + version.strip();
    }
}
