<?php
// A slow legacy handler: 10 ms of waiting (a database, a remote call) per request, no CPU.
usleep(10000);
echo "slept 10 ms\n";
