<?php
// The parity tests' probe: what this script saw, as JSON. $_FILES tmp names are random, so only their contents'
// sha256 is printed; php://input is hashed as read (empty for multipart, which PHP consumes itself).
$server = $_SERVER;
ksort($server);
$files = [];
foreach ($_FILES as $field => $f) {
    $files[$field] = [
        'name' => $f['name'],
        'type' => $f['type'],
        'size' => $f['size'],
        'error' => $f['error'],
        'sha256' => is_uploaded_file($f['tmp_name']) ? hash_file('sha256', $f['tmp_name']) : null,
    ];
}
header('Content-Type: application/json');
echo json_encode([
    'server' => $server,
    'get' => $_GET,
    'post' => $_POST,
    'files' => $files,
    'input_sha256' => hash_file('sha256', 'php://input'),
], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
