"""Fatherland Front supervision (giám sát của Ủy ban MTTQ Việt Nam phường): the ward's
supervisor sends the chairman supervision recommendations, which the chairman answers within
a set number of working days."""
