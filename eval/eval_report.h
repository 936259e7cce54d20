// Renderings of an EvalReport: an aligned text summary for people and one JSON object for
// scripts (bench/detection.sh builds its side-by-side table from it). Pure functions.
#pragma once

#include <string>

#include "eval/eval_alerts.h"
#include "eval/evaluation.h"

namespace ulna::eval {

std::string FormatReportText(const EvalReport& report, const AlertFile& input);
std::string FormatReportJson(const EvalReport& report, const AlertFile& input);

}  // namespace ulna::eval
