// Defines std::ios_base_library_init(), which libstdc++ 13 added (GLIBCXX_3.4.32) and which TorchSharp's native
// library calls from its static initialisers. environment/repair-torchsharp.sh links a copy of that library against
// this one on systems whose libstdc++ is older (Debian 12: GLIBCXX up to 3.4.30). Constructing an ios_base::Init
// is all the real function does: it makes sure the standard streams exist.
#include <ios>

namespace std {
__attribute__((visibility("default"))) void ios_base_library_init()
{
    static ios_base::Init init;
}
}
