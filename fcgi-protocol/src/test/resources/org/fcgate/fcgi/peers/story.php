<?php
header("Status: 201 Created");
header("X-Fcgate: byte-story");
error_log("fcgate byte story on stderr");
echo "query=", $_SERVER['QUERY_STRING'], "\n";
echo "body=", file_get_contents('php://input'), "\n";
echo str_repeat("0123456789abcdef", 640), "\n";
