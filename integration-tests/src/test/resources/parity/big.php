<?php
// ?mib=N MiB of hash-chained bytes with a Content-Length: block i is sha256("block" . i) (32 bytes) x 32768.
$mib = (int) ($_GET['mib'] ?? 200);
header('Content-Type: application/octet-stream');
header('Content-Length: ' . ($mib * 1048576));
for ($i = 0; $i < $mib; $i++) {
    echo str_repeat(hash('sha256', 'block' . $i, true), 32768);
}
