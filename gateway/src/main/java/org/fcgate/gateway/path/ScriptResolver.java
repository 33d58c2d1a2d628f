package org.fcgate.gateway.path;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the script a FastCGI request runs, before anything is dispatched (R25, R32; the try_files mitigation of
 * CVE-2019-11043): walk the normalised path from the root; the first prefix that is a regular file ends the walk.
 * It is the script only if its name ends with an allowed extension — so {@code /uploads/avatar.jpg/x.php} finds
 * {@code avatar.jpg}, which is not a script, and yields nothing rather than running an upload (the
 * {@code cgi.fix_pathinfo} attack). The rest of the path becomes PATH_INFO (RFC 3875 §4.1.5).
 */
public final class ScriptResolver {

    /**
     * A resolved script.
     *
     * @param scriptName     the URL path of the script (RFC 3875 §4.1.13), e.g. {@code /sub/test.php}
     * @param scriptFilename the real file system path php-fpm/php-cgi opens
     * @param pathInfo       what follows the script in the path, e.g. {@code /foo/bar}, or empty
     */
    public record Script(String scriptName, Path scriptFilename, String pathInfo) { }

    private final DocumentRoot root;
    private final Set<String> extensions;

    public ScriptResolver(DocumentRoot root, Set<String> extensions) {
        this.root = root;
        this.extensions = Set.copyOf(extensions);
    }

    public Optional<Script> resolve(RequestPath path) {
        List<String> segments = path.segments();
        if (root.denies(segments)) {
            return Optional.empty();
        }
        for (int i = 1; i <= segments.size(); i++) {
            DocumentRoot.Lookup found = root.lookup(segments, i);
            if (found instanceof DocumentRoot.Lookup.Directory) {
                continue;
            }
            // Both the requested name and the real file behind it must be scripts (R25's independent second check,
            // like php-fpm's security.limit_extensions): a symlink x.php -> avatar.jpg is not a script.
            if (found instanceof DocumentRoot.Lookup.RegularFile file && hasAllowedExtension(segments.get(i - 1))
                    && hasAllowedExtension(file.realPath().getFileName().toString())) {
                String scriptName = RequestPath.of(segments.subList(0, i), false).value();
                String pathInfo = i == segments.size() ? ""
                        : RequestPath.of(segments.subList(i, segments.size()), path.trailingSlash()).value();
                return Optional.of(new Script(scriptName, file.realPath(), pathInfo));
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    private boolean hasAllowedExtension(String name) {
        for (String ext : extensions) {
            if (name.endsWith(ext) && name.length() > ext.length()) {
                return true;
            }
        }
        return false;
    }
}
