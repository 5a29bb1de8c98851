#pragma once
// What a policy's route key reader (src/policies/<name>/config.cpp) works with: the typed
// reads of mapping_reader.hpp, the problem list, and the PolicySettings it returns.

#include "config/config.hpp"
#include "config/mapping_reader.hpp"
#include "config/problem_list.hpp"
