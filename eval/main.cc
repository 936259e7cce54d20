// ulna-eval: scores a detector's alerts against a labelled scenario (see eval/eval_command.h).
#include <string>
#include <vector>

#include "eval/eval_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return ulna::eval::RunEvalCommand(args);
}
