The sample legacy app answers for this script; its content is never read.
