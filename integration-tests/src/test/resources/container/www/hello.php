<?php
// The container tests' script: who ran it (SAPI, effective uid) and what it was given, as JSON.
header('Content-Type: application/json');
$body = file_get_contents('php://input');
echo json_encode([
    'sapi' => PHP_SAPI,
    'euid' => posix_geteuid(),
    'script' => $_SERVER['SCRIPT_FILENAME'],
    'name' => $_GET['name'] ?? null,
    'method' => $_SERVER['REQUEST_METHOD'],
    'body_md5' => md5($body),
    'body_length' => strlen($body),
]), "\n";
