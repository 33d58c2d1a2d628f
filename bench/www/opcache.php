<?php
// Checked by bench/run before measuring: every PHP stack runs with OPcache on.
$s = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
echo ($s && $s['opcache_enabled']) ? "opcache=on\n" : "opcache=off\n";
