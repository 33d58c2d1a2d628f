<?php
// The example overlay's demo script: run by a php-cgi child of a pool server pod, reached through a gateway pod.
header('Content-Type: text/plain; charset=utf-8');
echo "fcgate example: PHP ", PHP_VERSION, "\n";
echo "pool server pod: ", gethostname(), "\n";
echo "child pid: ", getmypid(), "\n";
echo "script: ", $_SERVER['SCRIPT_FILENAME'], "\n";
