package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.config.ListenAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin:} in the file: listen and token_file, off by default, every error reported, flags override. */
class AdminSectionTest {

    @TempDir
    Path dir;

    private LoadedConfig load(String admin) throws InvalidConfigException {
        return ConfigLoader.create().parse("root: " + dir + "\n" + admin
                + "\nroutes:\n  - match: {prefix: /}\n    static: {}\n", dir);
    }

    private List<String> errors(String admin) {
        return catchThrowableOfType(InvalidConfigException.class, () -> load(admin)).lines();
    }

    @Test
    void offByDefaultAndWhenSaidSo() throws Exception {
        assertThat(load("").admin()).isEqualTo(AdminConfig.off());
        assertThat(load("admin: {listen: off, token_file: off}").admin()).isEqualTo(AdminConfig.off());
    }

    @Test
    void aPortAloneIsLoopbackAndTheTokenFileIsRelativeToTheFile() throws Exception {
        Files.writeString(dir.resolve("admin.token"), "0123456789abcdef0123\n");
        AdminConfig a = load("admin: {listen: 9180, token_file: admin.token}").admin();
        assertThat(a.listen()).hasValue(new ListenAddress("127.0.0.1", 9180));
        assertThat(a.tokenFile()).hasValue(dir.resolve("admin.token"));
        assertThat(load("admin: {listen: '[::1]:9181'}").admin().listen()).hasValue(new ListenAddress("::1", 9181));
    }

    @Test
    void everyAdminErrorIsReported() throws Exception {
        Files.writeString(dir.resolve("short.token"), "short\n");
        assertThat(errors("admin: {listen: 'nowhere', token_file: short.token, tokenfile: x}")).containsExactly(
                "admin.tokenfile unknown key (known: listen, token_file)",
                "admin.listen (\"nowhere\") must be off, PORT (127.0.0.1:PORT), HOST:PORT or [IPv6]:PORT with a port "
                        + "within 0..65535",
                "admin.token_file (\"short.token\") holds a token shorter than 16 characters");
        assertThat(errors("admin: {token_file: short.token}")).containsExactly(
                "admin.token_file (\"short.token\") needs admin.listen (the control endpoints live on the admin "
                        + "listener)");
        assertThat(errors("admin: {listen: 9180, token_file: missing.token}")).singleElement()
                .satisfies(e -> assertThat(e).startsWith("admin.token_file (\"missing.token\") cannot be read: ")
                        .contains("NoSuchFileException"));
    }

    @Test
    void flagsOverrideTheFilesKeysOneByOne() {
        AdminConfig file = new AdminConfig(Optional.of(new ListenAddress("127.0.0.1", 9180)),
                Optional.of(Path.of("/etc/fcgate/admin.token")));
        AdminConfig flags = new AdminConfig(Optional.of(new ListenAddress("127.0.0.1", 9999)), Optional.empty());
        assertThat(file.overriddenBy(flags)).isEqualTo(new AdminConfig(
                Optional.of(new ListenAddress("127.0.0.1", 9999)), Optional.of(Path.of("/etc/fcgate/admin.token"))));
        assertThat(file.overriddenBy(AdminConfig.off())).isEqualTo(file);
    }
}
