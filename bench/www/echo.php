<?php
// A form handler: PHP parses the urlencoded body into $_POST; the raw body is echoed back.
header('Content-Type: text/plain');
header('X-Fields: ' . count($_POST));
echo file_get_contents('php://input');
