<?php
// The smallest dynamic page: the cost of the front and of the PHP request cycle.
echo "Hello, World!\n";
