#ifndef TWICE_H
#define TWICE_H
int twice(int x);
#endif
