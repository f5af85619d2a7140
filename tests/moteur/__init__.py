"""The engine (imports/moteur) on its own: reading and format of a file, the rules of each block
(ligne, commande, bénéficiaires, pièces, scénario), the anomalies of a line, the output file."""
