<?php
// Answers once /tmp/fcgate-it-release exists (the test copies it into the container), or after 60 s at most.
header('Content-Type: text/plain');
for ($i = 0; $i < 6000 && !file_exists('/tmp/fcgate-it-release'); $i++) {
    usleep(10000);
    clearstatcache();
}
echo file_exists('/tmp/fcgate-it-release') ? "released\n" : "not released\n";
