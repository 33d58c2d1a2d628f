package org.fcgate.it.parity;

import java.util.List;

/**
 * Parity with nginx → php-fpm when fcgate manages php-cgi itself: {@code fcgate serve --pool 'php-cgi8.2 -n …'
 * --children 2} (children on fd 0, spawned and supervised by the pool manager). Same php.ini-less settings as the
 * php-fpm pool. Peers: php-fpm and nginx (the reference), fcgate with php-cgi8.2 children.
 */
class PhpCgiPoolParityIT extends ParityCases {

    @Override
    List<String> fcgateBackend() {
        String limits = "-d upload_max_filesize=" + MAX_BODY_MIB + "M -d post_max_size=" + MAX_BODY_MIB + "M"
                + " -d upload_tmp_dir=" + dir.resolve("uploads");
        return List.of("--pool", "php-cgi8.2 -n -d expose_php=0 " + limits, "--children", "2");
    }

    @Override
    List<NginxDifferences.Difference> backendDifferences() {
        return NginxDifferences.PHP_CGI_POOL;
    }
}
