/* Preprocessor helpers for expanding the ABI tables of helios/abi.h (names
 * prefixed HELIOS_PP_): used by the user stubs (mercury) and the kernel's
 * invocation decoder alike. C++20 or GNU C (__VA_OPT__). */
#ifndef HELIOS_PP_H
#define HELIOS_PP_H

#define HELIOS_PP_CAT_(a, b) a##b
#define HELIOS_PP_CAT(a, b) HELIOS_PP_CAT_(a, b)
#define HELIOS_PP_UNPAREN(...) __VA_ARGS__
// Number of arguments, 0..6: HELIOS_PP_NARGS() is 0, HELIOS_PP_NARGS(a, b) 2.
#define HELIOS_PP_NARGS(...) HELIOS_PP_NARGS_(__VA_ARGS__ __VA_OPT__(, ) 6, 5, 4, 3, 2, 1, 0)
#define HELIOS_PP_NARGS_(a1, a2, a3, a4, a5, a6, n, ...) n
// f(a), f(b), ... over up to six arguments; nothing for none.
#define HELIOS_PP_MAP(f, ...) HELIOS_PP_CAT(HELIOS_PP_MAP, HELIOS_PP_NARGS(__VA_ARGS__))(f __VA_OPT__(, ) __VA_ARGS__)
#define HELIOS_PP_MAP0(f)
#define HELIOS_PP_MAP1(f, a) f(a)
#define HELIOS_PP_MAP2(f, a, ...) f(a), HELIOS_PP_MAP1(f, __VA_ARGS__)
#define HELIOS_PP_MAP3(f, a, ...) f(a), HELIOS_PP_MAP2(f, __VA_ARGS__)
#define HELIOS_PP_MAP4(f, a, ...) f(a), HELIOS_PP_MAP3(f, __VA_ARGS__)
#define HELIOS_PP_MAP5(f, a, ...) f(a), HELIOS_PP_MAP4(f, __VA_ARGS__)
#define HELIOS_PP_MAP6(f, a, ...) f(a), HELIOS_PP_MAP5(f, __VA_ARGS__)
#define HELIOS_PP_U64_PARAM(a) uint64_t a
// (a, b) -> "uint64_t a, uint64_t b"; () -> nothing.
#define HELIOS_PP_U64_PARAMS(args) HELIOS_PP_U64_PARAMS_(HELIOS_PP_UNPAREN args)
#define HELIOS_PP_U64_PARAMS_(...) HELIOS_PP_MAP(HELIOS_PP_U64_PARAM, __VA_ARGS__)
// (a, b) -> ", a, b"; () -> nothing.
#define HELIOS_PP_COMMA_ARGS(args) HELIOS_PP_COMMA_ARGS_(HELIOS_PP_UNPAREN args)
#define HELIOS_PP_COMMA_ARGS_(...) __VA_OPT__(, ) __VA_ARGS__
// (a, b) -> ", uint64_t a, uint64_t b"; () -> nothing.
#define HELIOS_PP_COMMA_U64_PARAMS(args) HELIOS_PP_COMMA_U64_PARAMS_(HELIOS_PP_UNPAREN args)
#define HELIOS_PP_COMMA_U64_PARAMS_(...) __VA_OPT__(, HELIOS_PP_MAP(HELIOS_PP_U64_PARAM, __VA_ARGS__))

#endif
